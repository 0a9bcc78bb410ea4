"""POP vs IMAP Lab: the discrete-event model of mail access (SimPy), over sans-IO protocol engines."""
