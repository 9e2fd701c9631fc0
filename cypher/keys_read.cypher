// Every API key, revoked ones included, by created time, then id, as property maps.
MATCH (k:ApiKey)
RETURN k {.*} AS k
ORDER BY k.created, k.id
