{
 "kebao_signature": 1,
 "algorithm": "ed25519",
 "key_id": "6ed31864b6744634",
 "signature": "t8nz4E4vWmGmTe9ZiB5xubuvtTUYejVzRQO+1C7U/cq/JsjS5+3blP+uKKhQMvogqt2GWeeaYYRGYC39M5ECAw=="
}
