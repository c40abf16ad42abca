// Asks for the passphrase of the stock kept in this browser (it never leaves the page).
import { t } from "../../lib/i18n";
import { h } from "../dom";

export function askPassphrase(): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = h("input", { type: "password", testid: "passphrase-input", autocomplete: "current-password" });
    const dialog = h("dialog", { testid: "passphrase-dialog" });
    const close = (value: string | null) => {
      dialog.close();
      dialog.remove();
      if (value) resolve(value);
      else reject(new Error(t("vault.cancelled")));
    };
    dialog.append(
      h("form", { class: "stack", on: { submit: (e: Event) => (e.preventDefault(), close(input.value)) } },
        h("h3", null, t("vault.passphrase")),
        input,
        h("div", { class: "row" },
          h("button", { class: "primary", type: "submit", testid: "passphrase-ok" }, t("vault.unlock")),
          h("button", { type: "button", on: { click: () => close(null) } }, t("common.cancel")),
        ),
      ),
    );
    document.body.appendChild(dialog);
    dialog.showModal();
    input.focus();
  });
}
