// A case's evidence for its parties and jurors: each file opened only after its bytes hash to
// the hash it is listed (and anchored on chain) under, so the API cannot swap a file.
import type { Hex } from "viem";
import { listEvidence, readEvidence } from "../../lib/court";
import { t } from "../../lib/i18n";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { shortAddress, when } from "../fmt";
import { failure, loading } from "./loading";
import { toast } from "./toast";

export function evidenceList(caseId: number): HTMLElement {
  const box = h("div", { testid: "case-evidence" }, loading());
  listEvidence(caseId)
    .then((ev) => {
      replace(
        box,
        ev.files.length
          ? h(
              "ul",
              null,
              ev.files.map((f) => {
                const open = h("button", { class: "link", testid: "evidence-open" }, f.filename ?? f.content_hash.slice(0, 10));
                open.addEventListener("click", async () => {
                  try {
                    const blob = await readEvidence(caseId, f.content_hash as Hex); // re-hashed here
                    window.open(URL.createObjectURL(blob), "_blank", "noopener");
                  } catch (err) {
                    toast(describeError(err), "bad");
                  }
                });
                return h("li", null, open, h("span", { class: "small muted" }, ` · ${f.content_type} · ${shortAddress(f.uploaded_by)} · ${when(f.uploaded_at)}`));
              }),
            )
          : h("p", { class: "empty" }, t("case.noEvidence")),
        ev.anchors.length ? h("p", { class: "small muted" }, t("case.anchors", { n: ev.anchors.length })) : null,
      );
    })
    .catch((err) => replace(box, failure(err)));
  return box;
}
