// The fairkey test wallet, injected into every page of a browser context before the page's own
// scripts run (tests/web/wallet/inject.py). An EIP-1193 provider whose `request` is answered in
// Python (tests/web/wallet/wallet.py) through a Playwright binding; announced by EIP-6963 and,
// unless the test says otherwise, also set as window.ethereum (the dApp's fallback).
// The file is one function expression: inject.py calls it with the wallet's configuration
// ({ binding, emitter, info: { uuid, name, icon, rdns }, announce, windowEthereum }).
(config) => {
  class ProviderRpcError extends Error {
    constructor(code, message, data) {
      super(message);
      this.name = "ProviderRpcError";
      this.code = code;
      if (data !== undefined && data !== null) this.data = data;
    }
  }

  const listeners = new Map(); // event name -> Set of listeners

  function emit(event, payload) {
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(err); // a page's listener failing must not break the wallet
      }
    }
  }

  const provider = {
    isFairkeyTestWallet: true,
    async request(args) {
      if (!args || typeof args !== "object" || typeof args.method !== "string") {
        throw new ProviderRpcError(-32600, "request() expects { method, params }");
      }
      const params = args.params === undefined ? [] : args.params;
      const answer = await window[config.binding]({ method: args.method, params });
      // Events the request caused (accountsChanged on connecting), after it resolves.
      for (const [event, payload] of answer.events ?? []) queueMicrotask(() => emit(event, payload));
      if (answer.error) {
        throw new ProviderRpcError(answer.error.code, answer.error.message, answer.error.data);
      }
      return answer.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  provider.addListener = provider.on;
  provider.off = provider.removeListener;

  // Python emits events it starts (the user switches account) through this function.
  Object.defineProperty(window, config.emitter, { value: emit });

  if (config.announce) {
    const detail = Object.freeze({ info: Object.freeze({ ...config.info }), provider });
    const announce = () =>
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce(); // EIP-6963: a wallet announces itself once at start, then on every request
  }
  if (config.windowEthereum) window.ethereum = provider;
}
