-- Reference analysis 3: does PacMan anticipate? The ghost's position now and 1, 2, 4, 8 steps ahead.
SELECT hypothesis, layer, unit, score
FROM TABLE(deepbase.inspect(models => 'pacman', units => 'conv1.*,conv2.*',
                            hypotheses => 'ghost,ghost_1,ghost_2,ghost_4,ghost_8',
                            measures => 'local_iou', dataset => 'pacman_test'))
ORDER BY hypothesis, score DESC
