"""The reference sync hub: the county's server half of docs/sync-protocol.md.

Imports nothing from the client: only `sync.protocol` (the wire) and `media.errors`.
"""
