namespace Platform.Agent.Operations;

/// <summary>The index of recorded outcomes: adding, dropping, what it holds, and hourly pruning with compaction of the file.</summary>
internal sealed partial class OperationJournal
{
    /// <summary>Called under the gate.</summary>
    private long BytesHeld() => RecordedOperation.IndexBytes(_recorded.EnsureCapacity(0)) + _keyBytes;

    /// <summary>Called under the gate.</summary>
    private void Index(string operationId, RecordedOperation record)
    {
        _recorded[operationId] = record;
        _keyBytes += RecordedOperation.KeyBytes(operationId);
        _liveFileBytes += record.Location.Length + 1;
    }

    /// <summary>Called under the gate.</summary>
    private void Unindex(string operationId, RecordedOperation record)
    {
        if (_recorded.Remove(operationId))
        {
            _keyBytes -= RecordedOperation.KeyBytes(operationId);
            _liveFileBytes -= record.Location.Length + 1;
        }
    }

    /// <summary>
    /// Hourly: drops expired outcomes from memory, and compacts the file when they make up most of
    /// it. Called holding <see cref="_appending"/>, so that no append or replay touches the file
    /// meanwhile; a failed compaction leaves the file as it was and is tried again an hour later.
    /// </summary>
    private void PruneIfDue(OperationJournalFile file)
    {
        var now = _time.GetUtcNow();
        if (now - _lastPrune < PruneInterval)
        {
            return;
        }
        _lastPrune = now;
        var cutoff = now - _retention;
        List<(string OperationId, RecordedOperation Record)> live;
        lock (_gate)
        {
            foreach (var (operationId, record) in _recorded.Where(r => r.Value.At < cutoff).ToList())
            {
                Unindex(operationId, record);
            }
            // A dictionary keeps its capacity: give back what a busier week needed.
            _recorded.TrimExcess();
            if (file.Length < CompactionThresholdBytes || _liveFileBytes * 2 > file.Length)
            {
                return;
            }
            live = [.. _recorded.Select(r => (r.Key, r.Value)).OrderBy(r => r.Value.Location.Offset)];
        }
        var before = file.Length;
        try
        {
            var moved = file.Compact(live);
            lock (_gate)
            {
                foreach (var (operationId, record) in moved)
                {
                    _recorded[operationId] = record;
                }
            }
            LogCompacted(_logger, _path, before / 1024, file.Length / 1024, moved.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCompactionFailed(_logger, _path, e.Message);
        }
    }
}
