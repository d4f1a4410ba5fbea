"""Readers of what other programs write: vCard contacts, WhatsApp chat exports, Android
SMS backups, e-mail (.eml, mbox), and the zip files they come in.

Plain functions over bytes, streams and the user's own files; nothing here imports the
vault or opens it. Every reader is fuzzed: outside input can only make it raise one of
the project's own errors (``retention_agent.errors.RetentionError``), never anything else.
"""
