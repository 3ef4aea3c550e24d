-- Reference analysis 3: does PacMan anticipate? The ghost's cell 1, 2, 4 and 8 steps ahead, with two
-- controls: the ghost's cell now ("the ghost stays put") and the road cells next to it
-- (ghost_adjacent: a moving ghost's next cell is always one of them). A unit anticipates only if it
-- scores higher on ghost_N than on both controls.
SELECT hypothesis, layer, unit, score
FROM TABLE(deepbase.inspect(models => 'pacman', units => 'conv1.*,conv2.*,conv3.*',
                            hypotheses => 'ghost,ghost_adjacent,ghost_1,ghost_2,ghost_4,ghost_8',
                            measures => 'local_iou', dataset => 'pacman_test'))
ORDER BY hypothesis, score DESC
