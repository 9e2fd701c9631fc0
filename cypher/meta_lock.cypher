// Lock :Meta without changing it: the SET takes the node's write lock, held to the end of
// the transaction (writers queue here), and the REMOVE leaves nothing behind. First
// statement of a write that checks the version before it grows it.
MATCH (m:Meta {key: 'impactgraph'})
SET m._lock = true
REMOVE m._lock
RETURN m.version AS version, m.gen AS gen
