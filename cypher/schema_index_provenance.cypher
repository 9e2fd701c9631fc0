// Where a component came from: the component of a source's key (checked on every upsert).
CREATE INDEX component_provenance IF NOT EXISTS
FOR (c:Component) ON (c.gen, c.source, c.external_id)
