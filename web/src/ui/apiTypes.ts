// The shapes of the API's answers the pages read. api/*/schemas.py is the source of truth;
// these name only the fields the pages show.
import type { TxRequest } from "../lib/chain";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Token {
  address: string;
  symbol: string | null;
  decimals: number | null;
}

export interface Listing {
  listing_id: number;
  merchant: string;
  token: Token;
  price: string; // smallest unit, decimal
  active: boolean;
  stock: number;
  bond_per_unit: string;
  dispute_bond: string;
  windows: { delivery_s: number; confirm_s: number; response_s: number; appeal_s: number };
  max_replacements: number;
  verifier: string | null;
  description_hash: string;
  created_time: number;
  title: string | null;
  description: string | null;
  lang: string | null;
  metadata_verified: boolean;
  sales: number;
  sales_7d: number;
  success_7d_bps: number | null;
  success_30d_bps: number | null;
  delivery_p50_s: number | null;
  delivery_p95_s: number | null;
  after_sales_7d_bps: number | null;
  merchant_score_bps: number | null;
}

export interface MerchantDay {
  date: string; // YYYY-MM-DD (UTC)
  sales: number;
  settled: number;
  completed: number;
  refunded: number;
  disputes: number;
  success_bps: number | null;
  score_bps: number | null;
}

export interface MerchantProfile {
  merchant: string;
  figures: {
    listings: number;
    orders: number;
    open: number;
    settled: number;
    completed: number;
    refunded: number;
    completion_bps: number | null;
    disputed: number;
    dispute_bps: number | null;
    faults_proven: number;
    l1_cases: number;
    l1_median_s: number | null;
    l2_cases: number;
    l2_median_s: number | null;
    l3_cases: number;
    l3_median_s: number | null;
    score_bps: number | null;
  };
  history: MerchantDay[];
  head_time: number | null;
}

export interface SupplierProfile {
  supplier: string;
  name: string | null;
  figures: {
    batches: number;
    units_committed: number;
    units_delivered: number;
    disputes: number;
    bad_keys: number;
    misdeliveries: number;
    dispute_bps: number | null;
    bad_key_bps: number | null;
  };
  merchants: Array<{ merchant: string; units_delivered: number; disputes: number; bad_keys: number; misdeliveries: number }>;
  history: Array<{ date: string; delivered: number; disputed: number; bad_keys: number; misdeliveries: number }>;
}

export interface TimelineEntry {
  block_number: number;
  log_index: number;
  time: number;
  tx_hash: string;
  event: string;
  status: string;
  detail: string | null;
  deadline: number | null;
}

export interface OrderSummary {
  order_id: string;
  basket_id: string | null;
  listing_id: number;
  merchant: string;
  buyer: string;
  token: string;
  price: string;
  status: string;
  deadline: number | null;
  paid_time: number;
  deliveries: number;
  dispute_reason: string | null;
  cause: string | null;
  tier: number | null;
  resolved_time: number | null;
}

export interface Order extends OrderSummary {
  case: { arbitrator: string; case_id: string } | null;
  timeline: TimelineEntry[];
  index_head_block: number | null;
}

export interface OrderAction {
  kind: string; // confirm, dispute, prove-misdelivery, verify, deliver, refund, replace, contest, …
  contract: string;
  function: string | null;
  until: number | null;
  needs: "order-key" | "vault" | "key" | null;
  value: string;
  token: Token | null;
  tx: TxRequest | null;
  approve: TxRequest | null;
  reasons: Array<{ reason: string; tx: TxRequest }>;
  case_id: number | null;
  verifier: string | null;
  verifier_url: string | null;
  note: string;
}

export interface OrderActions {
  order_id: string;
  you: string;
  role: "buyer" | "merchant" | "anyone";
  status: string;
  deadline: number;
  chain_time: number;
  actions: OrderAction[];
}

export interface Tier {
  tier: string; // L1, L2, L3
  cases: number;
  share_bps: number | null;
  median_s: number | null;
  p95_s: number | null;
  avg_s: number | null;
}

export interface PlatformStats {
  orders: number;
  open: number;
  settled: number;
  completed: number;
  refunded: number;
  split: number;
  cases: number;
  tiers: Tier[];
  faults_supplier: number;
  faults_merchant: number;
  supplier_fault_share_bps: number | null;
  alerts: Array<{ listing_id: number; kind: string; since: string; until: string | null; active: boolean; rate_bps: number; baseline_bps: number; peak_rate_bps: number }>;
  head_time: number | null;
}

export interface CaseOut {
  case_id: number;
  buyer: string;
  merchant: string;
  period: string;
  round: number;
  ruling: string | null;
  period_ends_at: number | null;
  chain_time: number;
  you: { address: string; roles: string[]; seats: number[] };
  rounds: Array<{ round: number; seats: number; drawn: number; committed: number; revealed: number; votes: { refuse: number; refund_buyer: number; pay_merchant: number } }>;
  appeal: { cost_wei: string; loser_deadline: number; deadline: number } | null;
}

export interface CaseTimeline {
  entries: Array<{ kind: string; event: string; round: number | null; block_time: number; tx_hash: string }>;
}
