"""The buyer's key check through the API: the dApp's sealed key relayed to the listing's verifier
(whose URL only the API's settings name), so the browser needs no CORS on the verifier."""
