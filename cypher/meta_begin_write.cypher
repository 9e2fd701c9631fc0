// First statement of every write: locks :Meta (writers queue here) and grows the version,
// which only counts if the transaction commits.
MATCH (m:Meta {key: 'impactgraph'})
SET m.version = m.version + 1
RETURN m.version AS version, m.gen AS gen
