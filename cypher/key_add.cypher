// Keep a new API key (never its secret: the hex SHA-256 $digest); a second key with the same
// $id breaks the api_key_id constraint. $name and $revoked may be null (then not stored).
CREATE (k:ApiKey {id: $id, role: $role, digest: $digest, created: $created, name: $name,
                  revoked: $revoked})
RETURN k.id AS id
