-- Reference analysis 1: does PacMan see ghosts? Every unit of conv1, conv2 and conv3, local IoU with
-- the ghost mask (one cell), latest checkpoint, beside the most a one-cell mask can score.
SELECT layer, unit, score, overlap_ceiling(1, 285) AS ceiling
FROM TABLE(deepbase.inspect(models => 'pacman', units => 'conv1.*,conv2.*,conv3.*', hypotheses => 'ghost',
                            measures => 'local_iou', dataset => 'pacman_test'))
ORDER BY score DESC
