// Package timeseries is the data side of anomaly detection in a time series (the solar-wind
// workload): multichannel series read from CSV, the gap-free windows a Conv1D autoencoder
// trains on (a runtime.Source), per-channel scaling, the reconstruction error of each window
// and the intervals where it passes a threshold.
package timeseries
