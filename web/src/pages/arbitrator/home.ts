// The arbitrator's desk: the stake (what the draw weighs), the cases this juror was drawn for,
// the votes held for the relayer (gasless), and claiming what coherent votes earned.
import { apiGet } from "../../lib/api";
import { claim, courtParams, stakeOf, setStake } from "../../lib/contracts";
import { mySeats } from "../../lib/courtChain";
import { myVotes } from "../../lib/court";
import { parseAmount } from "../../lib/format";
import { t } from "../../lib/i18n";
import { failure, loading } from "../../ui/components/loading";
import { toast } from "../../ui/components/toast";
import { h, replace } from "../../ui/dom";
import { describeError } from "../../ui/errors";
import { amount, label, when } from "../../ui/fmt";
import { subscribe } from "../../ui/live";
import { href, type PageContext } from "../../ui/router";
import { ensureCtx, ensureSignedIn } from "../../ui/session";

interface CaseSummary {
  case_id: number;
  period: string;
  round: number;
  ruling: string | null;
  roles: string[];
  seats: number[];
}

export async function arbitratorPage(ctx: PageContext): Promise<Node> {
  const chain = await ensureCtx();
  await ensureSignedIn();
  const court = chain.deployment.court;
  if (!court) return h("p", { class: "notice bad" }, t("juror.noCourt"));
  const pc = chain.wallet.publicClient;
  const me = chain.wallet.address;

  const stakeBox = h("div", { class: "panel", testid: "juror-stake" }, loading());
  const drawStake = async () => {
    const [params, stake] = await Promise.all([courtParams(pc, court), stakeOf(pc, court, me)]);
    const target = h("input", { type: "text", value: stake.staked ? amount(stake.staked).split(" ")[0] : amount(params.minStake).split(" ")[0], testid: "stake-amount" });
    const button = h("button", { class: "primary", testid: "stake-set" }, t("juror.setStake"));
    const status = h("div");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await setStake(await ensureCtx(), parseAmount(target.value, 18));
        toast(t("juror.staked"), "ok");
        await drawStake();
      } catch (err) {
        replace(status, h("div", { class: "notice bad", testid: "stake-error" }, describeError(err)));
        button.disabled = false;
      }
    });
    replace(
      stakeBox,
      h("h2", null, t("juror.stake")),
      h("dl", { class: "kv" }, [
        h("dt", null, t("juror.staked")), h("dd", { testid: "stake-staked" }, amount(stake.staked)),
        h("dt", null, t("juror.locked")), h("dd", null, amount(stake.locked)),
        h("dt", null, t("juror.openSeats")), h("dd", null, String(stake.openSeats)),
        h("dt", null, t("juror.minStake")), h("dd", null, amount(params.minStake)),
      ]),
      h("div", { class: "row" }, target, button),
      status,
      h("p", { class: "small muted" }, t("juror.stakeExplained")),
    );
  };

  const casesBox = h("div", { class: "panel", testid: "juror-cases" }, loading());
  const drawCases = async () => {
    const { cases } = await apiGet<{ cases: CaseSummary[] }>("/cases", { role: "juror" });
    replace(
      casesBox,
      h("h2", null, t("juror.cases")),
      cases.length
        ? h(
            "table",
            null,
            h("tr", null, [t("juror.case"), t("juror.period"), t("juror.round"), t("juror.ruling")].map((c) => h("th", null, c))),
            cases.map((c) =>
              h(
                "tr",
                { testid: `case-${c.case_id}`, "data-period": c.period },
                h("td", null, h("a", { href: href(`/cases/${c.case_id}`), testid: "case-link" }, `#${c.case_id}`)),
                h("td", null, label("period", c.period)),
                h("td", { class: "num" }, String(c.round + 1)),
                h("td", null, c.ruling ? label("choice", c.ruling) : "—"),
              ),
            ),
          )
        : h("p", { class: "empty", testid: "juror-no-cases" }, t("juror.noCases")),
    );
  };

  const votesBox = h("div", { class: "panel", testid: "juror-votes" }, loading());
  const drawVotes = async () => {
    const votes = await myVotes();
    replace(
      votesBox,
      h("h2", null, t("juror.votes")),
      votes.length
        ? h(
            "table",
            null,
            h("tr", null, [t("juror.case"), t("juror.kind"), t("juror.status"), t("juror.received")].map((c) => h("th", null, c))),
            votes.map((v) =>
              h(
                "tr",
                { "data-status": v.status },
                h("td", null, h("a", { href: href(`/cases/${v.case_id}`) }, `#${v.case_id}`)),
                h("td", null, label("vote", v.kind)),
                h("td", null, h("span", { class: `badge ${v.status === "submitted" ? "ok" : v.status === "refused" ? "bad" : "wait"}` }, label("voteStatus", v.status)), v.reason ? h("div", { class: "small muted" }, v.reason) : null),
                h("td", { class: "small" }, when(v.received_at)),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("juror.noVotes")),
    );
  };

  const claimBox = h("div", { class: "panel", testid: "juror-claim" });
  const claimButton = h("button", { class: "ok", testid: "juror-claim-button" }, t("juror.claim"));
  const claimStatus = h("div");
  claimButton.addEventListener("click", async () => {
    claimButton.disabled = true;
    try {
      const c = await ensureCtx();
      const seats = await mySeats(pc, court, me, chain.deployment.courtBlock);
      const { settled, withdrawn } = await claim(c, seats);
      const total = Object.values(withdrawn).reduce((a, b) => a + b, 0n);
      replace(claimStatus, h("div", { class: "notice ok", testid: "juror-claimed" }, t("juror.claimed", { seats: settled.length, amount: amount(total) })));
    } catch (err) {
      replace(claimStatus, h("div", { class: "notice bad" }, describeError(err)));
    } finally {
      claimButton.disabled = false;
    }
  });
  replace(claimBox, h("h2", null, t("juror.earnings")), h("p", { class: "small muted" }, t("juror.claimExplained")), claimButton, claimStatus);

  const all = () =>
    Promise.all([drawStake(), drawCases(), drawVotes()]).catch((err) => replace(casesBox, failure(err)));
  await subscribe((n) => n.kind === "case" && void all(), ctx.signal);
  void all();

  return h(
    "section",
    { testid: "page-arbitrator" },
    h("h1", null, t("juror.title")),
    h("p", { class: "muted" }, t("juror.lead")),
    h("div", { class: "cols" }, h("div", null, casesBox, votesBox), h("div", null, stakeBox, claimBox)),
  );
}
