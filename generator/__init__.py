"""The misskey-client generator: fetch -> clean -> render -> post-process (see ``__main__``)."""
