// A drawn juror's vote on a case: signed in the wallet (EIP-712, no transaction, no gas) and
// handed to the API's relayer; in the reveal period, the reveal the same way. The salt comes
// from the juror's own signature, so any device of the wallet can reveal.
import { chainTime, type Ctx } from "../../lib/chain";
import { caseData, courtParams } from "../../lib/contracts";
import { commitOf } from "../../lib/courtChain";
import { relayDeadline, revealSigned, voteSigned } from "../../lib/court";
import { t } from "../../lib/i18n";
import { Choice, seatsOf } from "../../lib/types";
import type { CaseOut } from "../apiTypes";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { label } from "../fmt";
import { toast } from "./toast";

const CHOICES: Array<[Choice, string]> = [
  [Choice.RefundBuyer, "refund_buyer"],
  [Choice.PayMerchant, "pay_merchant"],
  [Choice.Refuse, "refuse"],
];

export function voteBox(c: CaseOut, chain: Ctx): HTMLElement | null {
  const court = chain.deployment.court!;
  if (!c.you.roles.includes("juror")) return null;
  const [first, count] = seatsOf(c.round);
  const seat = c.you.seats.find((s) => s >= first && s < first + count);
  if (seat === undefined) return h("div", { class: "panel" }, h("p", { class: "muted" }, t("case.notThisRound")));
  const status = h("div", { testid: "vote-status" });
  const sign = (job: () => Promise<unknown>, done: string) => async (ev: Event) => {
    const button = ev.currentTarget as HTMLButtonElement;
    button.parentElement?.querySelectorAll("button").forEach((b) => (b.disabled = true));
    replace(status, h("div", { class: "notice wait" }, t("case.signing")));
    try {
      await job();
      replace(status, h("div", { class: "notice ok", testid: "vote-sent" }, t(done)));
      toast(t(done), "ok");
    } catch (err) {
      replace(status, h("div", { class: "notice bad", testid: "vote-error" }, describeError(err)));
      button.parentElement?.querySelectorAll("button").forEach((b) => (b.disabled = false));
    }
  };
  const pc = chain.wallet.publicClient;
  if (c.period === "evidence" || c.period === "commit") {
    const vote = (choice: Choice) => async () => {
      const [view, params, now] = await Promise.all([caseData(pc, court, BigInt(c.case_id)), courtParams(pc, court), chainTime(pc)]);
      return voteSigned({
        signer: chain.wallet.walletClient as never,
        juror: chain.wallet.address,
        chainId: chain.deployment.chainId,
        court,
        caseId: BigInt(c.case_id),
        round: c.round,
        seat,
        choice,
        deadline: relayDeadline(view, params, now),
      });
    };
    return h(
      "div",
      { class: "panel", testid: "vote-box" },
      h("h2", null, t("case.vote")),
      h("p", { class: "small muted" }, t("case.voteExplained")),
      h("div", { class: "actions" }, CHOICES.map(([choice, name]) => h("button", { class: choice === Choice.Refuse ? "" : "primary", testid: `vote-${name}`, on: { click: sign(vote(choice), "case.voted") } }, label("choice", name)))),
      status,
    );
  }
  if (c.period === "reveal") {
    const reveal = async () =>
      revealSigned({
        signer: chain.wallet.walletClient as never,
        juror: chain.wallet.address,
        chainId: chain.deployment.chainId,
        court,
        caseId: BigInt(c.case_id),
        round: c.round,
        seat,
        stored: await commitOf(pc, court, BigInt(c.case_id), seat, chain.deployment.courtBlock),
      });
    return h("div", { class: "panel", testid: "vote-box" }, h("h2", null, t("case.reveal")), h("button", { class: "primary", testid: "vote-reveal", on: { click: sign(reveal, "case.revealed") } }, t("case.reveal")), status);
  }
  return null;
}
