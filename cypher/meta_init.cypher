// Create the :Meta node of a new store; an existing one of an older layout is marked with
// the layout $schema (its new parts need no data written). Returns the layout found.
MERGE (m:Meta {key: 'impactgraph'})
  ON CREATE SET m.version = 0, m.gen = 0, m.next_gen = 0, m.schema = $schema
WITH m, m.schema AS found
FOREACH (_ IN CASE WHEN found < $schema THEN [1] ELSE [] END | SET m.schema = $schema)
RETURN m.version AS version, m.gen AS gen, found AS schema
