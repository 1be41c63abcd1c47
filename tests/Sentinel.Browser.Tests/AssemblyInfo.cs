// Real processes and a real browser share two cores: one test at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
