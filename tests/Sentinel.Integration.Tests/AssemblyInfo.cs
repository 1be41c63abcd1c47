// Real processes share two cores: run these one at a time so timings mean something.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
