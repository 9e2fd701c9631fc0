// Selector tag:T (a range index on the list property; `$tag IN c.tags` filters it).
CREATE INDEX component_tags IF NOT EXISTS
FOR (c:Component) ON (c.tags)
