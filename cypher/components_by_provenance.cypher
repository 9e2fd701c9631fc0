// The components of generation $gen that hold any of the (source, external_id) pairs $pairs
// (maps {source, external_id}): to keep one component per key of a source.
UNWIND $pairs AS pair
MATCH (c:Component {gen: $gen, source: pair.source, external_id: pair.external_id})
RETURN c.id AS id, c.source AS source, c.external_id AS external_id
