// Errors the lib raises for people to read: each names a string of lib/i18n (so a page shows it
// in the page's language) and keeps its parameters (so a page can re-render it after a switch).
import { t, type Params } from "./i18n";

/** A refusal with a translated message; `key` and `params` say which one. */
export class LibError extends Error {
  readonly key: string;
  readonly params: Params;

  constructor(key: string, params: Params = {}, options?: { cause?: unknown }) {
    super(t(key, params), options);
    this.name = "LibError";
    this.key = key;
    this.params = params;
  }
}

/** A rule the escrow or court would refuse, said before anything is sent: `name` is the contract's
 * own custom error (e.g. EscrowOutOfStock) and `args` its values, as the SDK's ContractRevert. */
export class ContractRuleError extends LibError {
  readonly errorName: string;
  readonly args: Record<string, bigint | number | string>;

  constructor(errorName: string, args: Record<string, bigint | number | string>, key: string, params: Params) {
    super(key, params);
    this.name = "ContractRuleError";
    this.errorName = errorName;
    this.args = args;
  }
}
