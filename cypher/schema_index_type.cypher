// Selector type:T.
CREATE INDEX component_type IF NOT EXISTS
FOR (c:Component) ON (c.gen, c.type)
