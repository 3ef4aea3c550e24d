-- Where does ${layer}.${unit} fire most? The share of maps whose strongest cell is the ghost's.
SELECT AVG(a.annotation) AS on_ghost, COUNT(*) AS maps
FROM (SELECT dataset, record_id, symbol,
             ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY behavior DESC, symbol) AS strongest
      FROM deepbase.behaviors
      WHERE model = 'pacman' AND checkpoint = ${checkpoint} AND layer = '${layer}' AND unit = ${unit}
        AND dataset = 'pacman_test') b
JOIN deepbase.annotations a
  ON a.dataset = b.dataset AND a.record_id = b.record_id AND a.symbol = b.symbol
WHERE b.strongest = 1 AND a.hypothesis = 'ghost'
