"""Sign-In with Ethereum (EIP-4361): server-side single-use nonces, sessions bound to the
signing address, sign-out."""
