using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Grpc.Core;

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
/// <para>The journal is opened (loaded, expired and torn records dropped) on first use rather
/// than at start-up, so that an agent whose journal cannot be opened still serves everything
/// else; its commands then fail with UNAVAILABLE until it can.</para>
/// </remarks>
internal sealed partial class OperationJournal : IDisposable
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly string _path;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _time;
    private readonly ILogger<OperationJournal> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _appending = new(1, 1);
    private FileStream? _file;
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
                return _entries.Values.Count(e => e.Record is not null);
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
        var requestHash = Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()));
        EnsureOpen();

        while (true)
        {
            Entry entry;
            Task? running = null;
            lock (_gate)
            {
                if (_entries.TryGetValue(operationId, out var known))
                {
                    if (known.Method != method || known.RequestHash != requestHash)
                    {
                        LogReuseRefused(_logger, operationId, known.Method, method);
                        throw new RpcException(new Status(
                            StatusCode.FailedPrecondition,
                            $"operation id reused for a different request: operation '{operationId}' was {(known.Method == method ? "a different " + ShortName(method) + " request" : ShortName(known.Method))}"));
                    }
                    if (known.Record is { } record)
                    {
                        LogReplayed(_logger, operationId, method, (StatusCode)record.Code);
                        return Replay<TResponse>(record);
                    }
                    running = known.Finished.Task;
                }
                entry = known ?? new Entry(method, requestHash);
                if (known is null)
                {
                    _entries.Add(operationId, entry);
                }
            }

            if (running is not null)
            {
                LogWaiting(_logger, operationId, method);
                // The first run records its outcome (found on the next turn) or abandons the
                // entry, and this caller then runs the work itself.
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            return await ExecuteAsync(operationId, entry, requestHash, work, cancellationToken).ConfigureAwait(false);
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

    private async Task<TResponse> ExecuteAsync<TResponse>(string operationId, Entry entry, string requestHash, Func<CancellationToken, Task<TResponse>> work, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>, new()
    {
        TResponse response;
        try
        {
            response = await work(cancellationToken).ConfigureAwait(false);
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

    private async Task CompleteAsync(string operationId, Entry entry, OperationRecord record)
    {
        // Not cancellable: the work is done, and its outcome must be on disk before anyone hears of it.
        await _appending.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var file = _file ?? throw new ObjectDisposedException(nameof(OperationJournal));
            await OperationJournalFile.AppendAsync(file, record).ConfigureAwait(false);
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
        lock (_gate)
        {
            entry.Record = record;
            PruneExpired();
        }
        entry.Finished.TrySetResult();
    }

    private void Abandon(string operationId, Entry entry)
    {
        lock (_gate)
        {
            _entries.Remove(operationId);
        }
        entry.Finished.TrySetResult();
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
                var loaded = OperationJournalFile.Load(_path, now - _retention);
                if (loaded.Expired > 0 || loaded.Unreadable > 0)
                {
                    OperationJournalFile.Rewrite(_path, loaded.Records);
                }
                _file = OperationJournalFile.OpenForAppend(_path);
                foreach (var record in loaded.Records)
                {
                    _entries[record.OperationId] = new Entry(record.Method, record.RequestSha256) { Record = record };
                }
                _lastPrune = now;
                LogLoaded(_logger, _path, loaded.Records.Count, loaded.Expired, loaded.Unreadable);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogOpenFailed(_logger, _path, e.Message);
                throw new RpcException(new Status(StatusCode.Unavailable, $"the agent's operation journal {_path} cannot be opened: {e.Message}"));
            }
        }
    }

    /// <summary>Drops expired outcomes from memory (the file sheds them at the next load). Called under the gate.</summary>
    private void PruneExpired()
    {
        var now = _time.GetUtcNow();
        if (now - _lastPrune < PruneInterval)
        {
            return;
        }
        _lastPrune = now;
        var cutoff = now - _retention;
        foreach (var (id, entry) in _entries.Where(e => e.Value.Record?.At < cutoff).ToList())
        {
            _entries.Remove(id);
        }
    }

    private static string ShortName(string method) => method[(method.LastIndexOf('/') + 1)..];

    /// <summary>An operation id's state: running (<see cref="Record"/> null) or finished with a recorded outcome.</summary>
    private sealed class Entry(string method, string requestHash)
    {
        public string Method { get; } = method;

        public string RequestHash { get; } = requestHash;

        public OperationRecord? Record { get; set; }

        /// <summary>Completes when the run ends, recorded or abandoned.</summary>
        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Operation journal {Path} loaded: {Records} outcomes kept, {Expired} expired and {Unreadable} unreadable dropped")]
    private static partial void LogLoaded(ILogger logger, string path, int records, int expired, int unreadable);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Operation journal {Path} cannot be opened: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) repeated: replaying its recorded outcome {Code}")]
    private static partial void LogReplayed(ILogger logger, string operationId, string method, StatusCode code);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) repeated while still running: waiting for it")]
    private static partial void LogWaiting(ILogger logger, string operationId, string method);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Operation id {OperationId} of {RecordedMethod} reused for a different request ({Method}): refused")]
    private static partial void LogReuseRefused(ILogger logger, string operationId, string recordedMethod, string method);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Operation {OperationId} ({Method}) ended without a final outcome; not recorded, a retry runs it again")]
    private static partial void LogNotRecorded(ILogger logger, string operationId, string method, Exception error);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Outcome of operation {OperationId} could not be written to {Path}: {Reason}")]
    private static partial void LogRecordFailed(ILogger logger, string operationId, string path, string reason);
}
