// GET /deployment's answer (api/config_route.py DeploymentOut) in the dApp's shape.
import { describe, expect, test } from "vitest";
import { zeroAddress } from "viem";
import { ETH, parseDeployment, tokenInfo } from "../src/lib/deployment";
import { LibError } from "../src/lib/errors";

const ANSWER = {
  chain_id: 31337,
  escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  escrow_block: 3,
  court: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  court_block: 5,
  demo_token: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
  tokens: [
    { address: zeroAddress, symbol: "ETH", decimals: 18 },
    { address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", symbol: "dUSD", decimals: 6 },
    { address: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", symbol: null, decimals: null },
  ],
  verifiers: { "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc": "http://127.0.0.1:8600" },
  public_url: "http://127.0.0.1:8800",
};

describe("the deployment", () => {
  test("reads the API's answer: addresses in EIP-55, blocks as bigints, ETH first", () => {
    const d = parseDeployment(ANSWER);
    expect(d.chainId).toBe(31337);
    expect(d.escrow).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(d.court).toBe("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    expect([d.block, d.courtBlock]).toEqual([3n, 5n]);
    expect(d.tokens.map((t) => [t.symbol, t.decimals])).toEqual([["ETH", 18], ["dUSD", 6], ["0xCf7E…", 0]]);
    expect(d.rpcUrl).toBeNull(); // the wallet's provider reads the chain
    expect(d.publicUrl).toBe(ANSWER.public_url);
    expect(tokenInfo(d, zeroAddress)).toEqual(ETH);
    expect(tokenInfo(d, "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0").symbol).toBe("dUSD");
  });

  test("without an escrow there is nothing to trade with", () => {
    expect(() => parseDeployment({ ...ANSWER, escrow: null })).toThrow(LibError);
  });
});
