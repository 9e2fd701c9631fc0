// Create the :Meta node of a new store; an existing one is left as it is.
MERGE (m:Meta {key: 'impactgraph'})
  ON CREATE SET m.version = 0, m.gen = 0, m.next_gen = 0, m.schema = $schema
RETURN m.version AS version, m.gen AS gen, m.schema AS schema
