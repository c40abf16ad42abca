// Which wallet, when the page hears more than one announce itself (EIP-6963).
import { t } from "../../lib/i18n";
import { h } from "../dom";

import type { WalletChoice } from "../../lib/wallet";

export function pickWallet(wallets: WalletChoice[]): Promise<WalletChoice> {
  return new Promise((resolve, reject) => {
    const dialog = h(
      "dialog",
      { testid: "wallet-picker" },
      h("h3", null, t("wallet.pick")),
      h(
        "div",
        { class: "stack" },
        wallets.map((w) =>
          h(
            "button",
            {
              testid: `wallet-${w.info.rdns}`,
              on: {
                click: () => {
                  dialog.close();
                  dialog.remove();
                  resolve(w);
                },
              },
            },
            h("img", { src: w.info.icon, alt: "", width: 20, height: 20 }),
            " ",
            w.info.name,
          ),
        ),
      ),
      h(
        "button",
        {
          class: "link",
          on: {
            click: () => {
              dialog.close();
              dialog.remove();
              reject(new Error(t("wallet.cancelled")));
            },
          },
        },
        t("common.cancel"),
      ),
    );
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
