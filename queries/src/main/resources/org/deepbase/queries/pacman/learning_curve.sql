-- Reference analysis 2: when does learning happen? One unit (${layer}.${unit}: the best ghost
-- detector of analysis 1) over every checkpoint of the training run, beside the ceiling.
SELECT checkpoint, score, overlap_ceiling(1, 285) AS ceiling
FROM TABLE(deepbase.inspect(models => 'pacman@*', units => '${layer}.${unit}', hypotheses => 'ghost',
                            measures => 'local_iou', dataset => 'pacman_test'))
ORDER BY checkpoint
