// The model version and the live generation.
MATCH (m:Meta {key: 'impactgraph'})
RETURN m.version AS version, m.gen AS gen
