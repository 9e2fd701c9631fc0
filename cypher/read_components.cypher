// Every component of the live generation, as a property map.
MATCH (c:Component {gen: $gen})
RETURN c {.*} AS c
