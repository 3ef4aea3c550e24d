-- Does PacMan see ghosts? Local IoU of every unit of conv1, conv2 and conv3 with the ghost mask.
-- The checkpoint is filled in by the caller (the demo uses the latest).
SELECT b.layer, b.unit, local_iou(b.behavior, a.annotation) AS score
FROM deepbase.behaviors b JOIN deepbase.annotations a
  ON a.dataset = b.dataset AND a.record_id = b.record_id AND a.symbol = b.symbol
WHERE b.model = 'pacman' AND b.checkpoint = ${checkpoint} AND b.layer IN ('conv1', 'conv2', 'conv3')
  AND b.dataset = 'pacman_test' AND a.hypothesis = 'ghost'
GROUP BY b.layer, b.unit
ORDER BY score DESC
