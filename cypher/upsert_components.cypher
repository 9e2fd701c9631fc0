// Create or replace components by id: every property and the kind label are replaced.
UNWIND $rows AS row
MERGE (c:Component {gen: $gen, id: row.props.id})
SET c = row.props, c.gen = $gen
REMOVE c:BusinessService:Service:Infrastructure:Site:Supplier:Group
SET c:$(row.label)
