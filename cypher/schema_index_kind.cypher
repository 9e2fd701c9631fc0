// Selector kind:K.
CREATE INDEX component_kind IF NOT EXISTS
FOR (c:Component) ON (c.gen, c.kind)
