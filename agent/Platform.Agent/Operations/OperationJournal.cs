using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Grpc.Core;
using Platform.Common.Observability;

namespace Platform.Agent.Operations;

/// <summary>
/// Makes mutating commands idempotent by operation id, across agent restarts. The first run of an
/// operation id executes the work and records its outcome (response bytes, or the error status)
/// durably before the caller gets it; a repeat with the same method and request gets that outcome
/// again without executing anything. A repeat that arrives while the first run is still going
/// waits for it. The same id with another method or request is refused (FAILED_PRECONDITION).
/// </summary>
/// <remarks>
/// <para>Only final outcomes are recorded: success and the errors a retry would get again
/// (<see cref="IsFinal"/>). Cancellation, deadlines, UNAVAILABLE and unexpected failures are not —
/// retrying is what they call for — so the next attempt executes the work again. So does the
/// retry of an operation cut off by a crash before its outcome was recorded: commands run through
/// the journal must therefore converge (repeating finished or half-finished work must end in the
/// same state and answer).</para>
/// <para>Memory holds, per recorded outcome, only what deciding needs (<see cref="RecordedOperation"/>:
/// method, request digest, time, status and where the line is); the outcome itself (response
/// bytes, error message and details) stays in the file and is read back for a replay. Expired
/// outcomes leave memory hourly, and the file is compacted when they make up most of it.</para>
/// <para>The journal is opened (loaded, expired and torn records dropped) on first use rather
/// than at start-up, so that an agent whose journal cannot be opened still serves everything
/// else; its commands then fail with UNAVAILABLE until it can.</para>
/// </remarks>
internal sealed partial class OperationJournal : IDisposable
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    /// <summary>The file is compacted once expired records make up more than half of it, and it has grown past this.</summary>
    private const long CompactionThresholdBytes = 1 << 20;

    private readonly string _path;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _time;
    private readonly ILogger<OperationJournal> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordedOperation> _recorded = new(StringComparer.Ordinal);
    /// <summary>Serializes what touches the file: appends, replays' reads, compaction.</summary>
    private readonly SemaphoreSlim _appending = new(1, 1);
    private OperationJournalFile? _file;
    private long _keyBytes;
    private long _liveFileBytes;
    private DateTimeOffset _lastPrune;

    public OperationJournal(IOptions<OperationsOptions> options, TimeProvider time, ILogger<OperationJournal> logger)
    {
        _path = Path.GetFullPath(options.Value.JournalPath);
        _retention = options.Value.Retention;
        _time = time;
        _logger = logger;
    }

    /// <summary>Outcomes held for replay (loaded or recorded since), for diagnostics and tests.</summary>
    public int RecordCount
    {
        get
        {
            lock (_gate)
            {
                return _recorded.Count;
            }
        }
    }

    /// <summary>The journal's own figures: outcomes indexed, the memory that index holds, the file's size.</summary>
    public OperationJournalFigures Figures
    {
        get
        {
            lock (_gate)
            {
                return new OperationJournalFigures(_file is not null, _recorded.Count, _running.Count, BytesHeld(), _file?.Length ?? 0);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> once per <paramref name="operationId"/>: see the class summary.
    /// <paramref name="method"/> is the gRPC method's full name; the request is compared by the
    /// SHA-256 of its serialized bytes. <paramref name="cancellationToken"/> is passed to the work
    /// and bounds waiting for a concurrent run of the same operation.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "The work comes last so that it can be written as a trailing lambda; the token is the work's.")]
    public async Task<TResponse> RunAsync<TRequest, TResponse>(
        string operationId,
        string method,
        TRequest request,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task<TResponse>> work)
        where TRequest : IMessage
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(work);
        var requestHash = RequestDigest.Of(request.ToByteArray());
        EnsureOpen();

        while (true)
        {
            Running? mine = null;
            Task? running = null;
            var recorded = false;
            lock (_gate)
            {
                if (_recorded.TryGetValue(operationId, out var known))
                {
                    RefuseReuse(operationId, known.Method, known.RequestHash, method, requestHash);
                    recorded = true;
                }
                else if (_running.TryGetValue(operationId, out var other))
                {
                    RefuseReuse(operationId, other.Method, other.RequestHash, method, requestHash);
                    running = other.Finished.Task;
                }
                else
                {
                    mine = new Running(method, requestHash);
                    _running.Add(operationId, mine);
                }
            }

            if (recorded)
            {
                // Null: it expired, or its line could not be read, since it was looked up; the next turn runs it.
                if (await ReadOutcomeAsync(operationId, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    LogReplayed(_logger, operationId, method, (StatusCode)record.Code);
                    return Replay<TResponse>(record);
                }
                continue;
            }
            if (running is not null)
            {
                LogWaiting(_logger, operationId, method);
                // The first run records its outcome (found on the next turn) or abandons the
                // entry, and this caller then runs the work itself.
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            return await ExecuteAsync(operationId, mine!, work, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
        _appending.Dispose();
    }

    /// <summary>Outcomes a retry would meet again, and so may be replayed instead.</summary>
    internal static bool IsFinal(StatusCode code) => code is StatusCode.InvalidArgument
        or StatusCode.NotFound
        or StatusCode.AlreadyExists
        or StatusCode.FailedPrecondition
        or StatusCode.OutOfRange
        or StatusCode.PermissionDenied
        or StatusCode.Unimplemented;

    private void RefuseReuse(string operationId, string knownMethod, RequestDigest knownRequest, string method, RequestDigest request)
    {
        if (knownMethod == method && knownRequest == request)
        {
            return;
        }
        LogReuseRefused(_logger, operationId, knownMethod, method);
        throw new RpcException(new Status(
            StatusCode.FailedPrecondition,
            $"operation id reused for a different request: operation '{operationId}' was {(knownMethod == method ? "a different " + ShortName(method) + " request" : ShortName(knownMethod))}"));
    }

    private async Task<TResponse> ExecuteAsync<TResponse>(string operationId, Running entry, Func<CancellationToken, Task<TResponse>> work, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>, new()
    {
        TResponse response;
        var requestHash = entry.RequestHash.ToHex();
        try
        {
            response = await TimedAsync(entry.Method, work, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException error) when (IsFinal(error.StatusCode))
        {
            await CompleteAsync(operationId, entry, OperationRecord.Failure(operationId, entry.Method, requestHash, _time.GetUtcNow(), error)).ConfigureAwait(false);
            throw;
        }
        catch (Exception error)
        {
            LogNotRecorded(_logger, operationId, entry.Method, error);
            Abandon(operationId, entry);
            throw;
        }
        await CompleteAsync(operationId, entry, OperationRecord.Success(operationId, entry.Method, requestHash, _time.GetUtcNow(), response.ToByteArray())).ConfigureAwait(false);
        return response;
    }

    /// <summary>The work, timed by command and status code (<see cref="PlatformMetrics.AgentOperationDuration"/>).</summary>
    private static async Task<TResponse> TimedAsync<TResponse>(string method, Func<CancellationToken, Task<TResponse>> work, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.Unknown;
        try
        {
            var response = await work(cancellationToken).ConfigureAwait(false);
            status = StatusCode.OK;
            return response;
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            PlatformMetrics.AgentOperationDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(PlatformMetrics.Labels.Command, ShortName(method)),
                new KeyValuePair<string, object?>(PlatformMetrics.Labels.Status, status.ToString()));
        }
    }

    private async Task CompleteAsync(string operationId, Running entry, OperationRecord record)
    {
        // Not cancellable: the work is done, and its outcome must be on disk before anyone hears of it.
        await _appending.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var file = _file ?? throw new ObjectDisposedException(nameof(OperationJournal));
            var location = await file.AppendAsync(record).ConfigureAwait(false);
            lock (_gate)
            {
                _running.Remove(operationId);
                Index(operationId, new RecordedOperation(entry.Method, entry.RequestHash, record.At, (StatusCode)record.Code, location));
            }
            PruneIfDue(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            LogRecordFailed(_logger, operationId, _path, e.Message);
            Abandon(operationId, entry);
            // The retry this asks for runs the work again, which converges.
            throw new RpcException(new Status(StatusCode.Unavailable, $"operation '{operationId}' ran, but its outcome could not be recorded ({e.Message}); retry it"));
        }
        finally
        {
            _appending.Release();
        }
        entry.Finished.TrySetResult();
    }

    private void Abandon(string operationId, Running entry)
    {
        lock (_gate)
        {
            _running.Remove(operationId);
        }
        entry.Finished.TrySetResult();
    }

    /// <summary>
    /// The recorded outcome of <paramref name="operationId"/>, read from the file; null when it is no
    /// longer indexed, or when its line is not the record it should be (then it is dropped, and the
    /// operation runs again as after a lost record).
    /// </summary>
    private async Task<OperationRecord?> ReadOutcomeAsync(string operationId, CancellationToken cancellationToken)
    {
        await _appending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RecordedOperation known;
            OperationJournalFile? file;
            lock (_gate)
            {
                file = _file;
                if (file is null || !_recorded.TryGetValue(operationId, out known))
                {
                    return null;
                }
            }
            var record = file.Read(known.Location);
            if (record is not null && record.OperationId == operationId)
            {
                return record;
            }
            LogRecordUnreadable(_logger, operationId, _path, known.Location.Offset);
            lock (_gate)
            {
                Unindex(operationId, known);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogRecordReadFailed(_logger, operationId, _path, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, $"the recorded outcome of operation '{operationId}' cannot be read from {_path} ({e.Message}); retry it"));
        }
        finally
        {
            _appending.Release();
        }
    }

    private static TResponse Replay<TResponse>(OperationRecord record)
        where TResponse : class, IMessage<TResponse>, new()
    {
        if (!record.Succeeded)
        {
            throw record.ToException();
        }
        var response = new TResponse();
        response.MergeFrom(record.Response);
        return response;
    }

    private void EnsureOpen()
    {
        lock (_gate)
        {
            if (_file is not null)
            {
                return;
            }
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                var now = _time.GetUtcNow();
                var opened = OperationJournalFile.Open(_path, now - _retention);
                _file = opened.File;
                foreach (var (operationId, record) in opened.Records)
                {
                    Index(operationId, record);
                }
                _lastPrune = now;
                var indexKib = BytesHeld() / 1024;
                LogLoaded(_logger, _path, opened.Records.Count, opened.Expired, opened.Unreadable, indexKib);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogOpenFailed(_logger, _path, e.Message);
                throw new RpcException(new Status(StatusCode.Unavailable, $"the agent's operation journal {_path} cannot be opened: {e.Message}"));
            }
        }
    }

    private static string ShortName(string method) => method[(method.LastIndexOf('/') + 1)..];

    /// <summary>An operation running now: what a repeat is compared with, and what it waits for.</summary>
    private sealed class Running(string method, RequestDigest requestHash)
    {
        public string Method { get; } = method;

        public RequestDigest RequestHash { get; } = requestHash;

        /// <summary>Completes when the run ends, recorded or abandoned.</summary>
        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
