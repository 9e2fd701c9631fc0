// Components of the live generation by kind.
MATCH (c:Component {gen: $gen})
RETURN c.kind AS kind, count(*) AS n
