// One sentence for any failure a page shows: an API problem (RFC 9457), a rule of the lib
// (translated now, so a language switch re-words it), a contract's named error, a wallet
// refusal. Never a stack trace.
import { ApiError } from "../lib/api";
import { LibError } from "../lib/errors";
import { t } from "../lib/i18n";

interface Described {
  shortMessage?: string;
  code?: number;
  message?: string;
  cause?: unknown;
}

/** A contract's custom error name, if one was decoded anywhere in the error's causes. */
export function errorName(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 8 && e && typeof e === "object"; i++) {
    const named = (e as { errorName?: string }).errorName ?? (e as { data?: { errorName?: string } }).data?.errorName;
    if (named) return named;
    e = (e as Described).cause;
  }
  return undefined;
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof LibError) return t(err.key, err.params);
  let e: unknown = err;
  for (let i = 0; i < 8 && e && typeof e === "object"; i++) {
    if ((e as Described).code === 4001) return t("error.rejected");
    e = (e as Described).cause;
  }
  const named = errorName(err);
  if (named) return `${t("error.contract")}: ${named}`;
  const d = err as Described;
  if (d?.shortMessage) return d.shortMessage;
  if (d?.message) return d.message.split("\n")[0];
  return String(err);
}
