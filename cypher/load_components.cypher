// Bulk create components of generation $gen; row.label comes from a fixed allow-list.
UNWIND $rows AS row
CREATE (c:Component:$(row.label))
SET c = row.props, c.gen = $gen
