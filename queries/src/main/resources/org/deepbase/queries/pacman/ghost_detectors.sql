-- Reference analysis 1: does PacMan see ghosts? Every unit of conv1 and conv2, local IoU with the
-- ghost mask, latest checkpoint.
SELECT layer, unit, score
FROM TABLE(deepbase.inspect(models => 'pacman', units => 'conv1.*,conv2.*', hypotheses => 'ghost',
                            measures => 'local_iou', dataset => 'pacman_test'))
ORDER BY score DESC
