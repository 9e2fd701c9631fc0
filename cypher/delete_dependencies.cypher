// Delete dependencies by key; returns the index of every row that found its edge.
UNWIND $rows AS row
MATCH (a:Component {gen: $gen, id: row.source})-[r:$(row.rel) {type: row.type}]->
      (b:Component {gen: $gen, id: row.target})
DELETE r
RETURN row.i AS i
