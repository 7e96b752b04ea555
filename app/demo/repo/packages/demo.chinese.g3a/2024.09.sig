{
 "kebao_signature": 1,
 "algorithm": "ed25519",
 "key_id": "6ed31864b6744634",
 "signature": "u7f2To7/Lw+KzLLC2PU/ujUVV0CQ/zDciAoEjTktn/B3i3e8FicZmyB/9v0jHMXC9XN9l4q+Ji1jTIq9gcIwDw=="
}
