package org.deepbase.engine.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Input normalisation applied to every record before the model: {@code (x * scale - mean[c]) /
 * std[c]}, with c the first axis of the record (the channel of an image). Absent parts are
 * identities.
 *
 * @param scale multiplies every input value first (e.g. 1/255 for bytes)
 * @param mean subtracted per channel
 * @param std divides per channel
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Preprocess(
    @JsonProperty("scale") Double scale,
    @JsonProperty("mean") List<Double> mean,
    @JsonProperty("std") List<Double> std) {}
