using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Controller.Api;

namespace Platform.Controller.Idempotency;

/// <summary>
/// Every mutating call of the facade (POST, PUT, DELETE, PATCH, and the seed's deletes by GET)
/// gets a <see cref="RequestOutcome"/> its changes join. With an Idempotency-Key, the first
/// request claims the key and runs; its change commits the key with it; its answer is kept once
/// written. A repeat (same caller, key and request) is answered what was kept without running
/// again; a repeat while the first still runs is refused (409), and the key with another request
/// is refused too (422). A request that changed nothing lets its key go, so a repeat runs.
/// </summary>
internal sealed partial class IdempotencyMiddleware(
    RequestDelegate next, IdempotencyStore store, IOptions<IdempotencyOptions> options, RepeatedWarnings repeated, ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>How much longer than the first request's body a repeat's may be (another multipart boundary) before it is read no further.</summary>
    private const long BoundarySlack = 64 << 10;

    // Bookkeeping after a request must not hold its answer back for long when the database is away.
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>This process as the holder of keys; with the live tokens, tells a request of its own that ended without letting go.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsMutation(context))
        {
            await next(context);
            return;
        }
        var (key, problem) = IdempotencyKeys.Read(context.Request.Headers[IdempotencyKeys.Header]);
        if (problem is not null)
        {
            await ApiEnvelope.Fail(ApiError.Validation([problem])).ExecuteAsync(context);
            return;
        }
        if (key is null)
        {
            context.Features.Set(new RequestOutcome());
            await next(context);
            return;
        }
        await RunWithKeyAsync(context, key);
    }

    /// <summary>The facade's changing calls: by method, and GET on a route that also takes POST (volume/delete, network/delete).</summary>
    private static bool IsMutation(HttpContext context)
    {
        if (!ApiRoutes.IsFacadePath(context.Request.Path)
            || context.GetEndpoint()?.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } route)
        {
            return false;
        }
        var method = context.Request.Method;
        return HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method)
            || (HttpMethods.IsGet(method) && route.HttpMethods.Contains(HttpMethods.Post, StringComparer.OrdinalIgnoreCase));
    }

    private async Task RunWithKeyAsync(HttpContext context, string key)
    {
        var request = context.Request;
        await using var body = new FingerprintedBody(request.Body, RequestFingerprint.BoundaryOf(request.ContentType));
        request.Body = body;
        var claim = new IdempotencyClaim(
            RequestFingerprint.Scope(Security.Principals.ScopeOf(context.User)),
            key,
            RequestFingerprint.Head(request.Method, ApiRoutes.Normalize(request.Path), request.QueryString.Value ?? "", request.ContentType),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        // Live before the claim exists: a concurrent repeat never mistakes it for an abandoned one.
        _live[claim.Token] = 0;
        try
        {
            if (await ClaimAsync(claim, context.RequestAborted) is { } existing)
            {
                await AnswerRepeatAsync(context, claim, existing, body);
                return;
            }
            var outcome = new RequestOutcome { Claim = claim, Body = body };
            context.Features.Set(outcome);
            using var lease = new CancellationTokenSource();
            var renewal = KeepLeaseAsync(claim, lease.Token);
            try
            {
                await RunAndKeepAnswerAsync(context, outcome, body);
            }
            finally
            {
                await lease.CancelAsync();
                await renewal;
            }
        }
        finally
        {
            _live.TryRemove(claim.Token, out _);
        }
    }

    /// <summary>Claims the key; null when this request holds it now, else the record of the request that does or did.</summary>
    private async Task<IdempotencyRecord?> ClaimAsync(IdempotencyClaim claim, CancellationToken ct)
    {
        var settings = options.Value;
        IdempotencyRecord? record = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await store.TryClaimAsync(claim, _owner, settings.InProgressLease, settings.Retention, ct))
            {
                return null;
            }
            record = await store.GetAsync(claim, ct);
            if (record is null)
            {
                continue; // Let go meanwhile: claim it again.
            }
            var abandoned = record.State == IdempotencyStates.InProgress && !IsRunning(record);
            if (!record.Expired && !abandoned)
            {
                return record;
            }
            if (await store.TakeOverAsync(claim, record.Token, _owner, settings.InProgressLease, settings.Retention, ct))
            {
                LogTakenOver(claim.Key, record.Expired ? "its retention ended" : "the request holding it is gone");
                return null;
            }
        }
        // Changing hands as fast as it is read: some other request has it now.
        return (record ?? new IdempotencyRecord(claim.RequestHash, null, null, IdempotencyStates.InProgress, "", _owner, false, false, null, null, null, null, null))
            with { State = IdempotencyStates.InProgress };
    }

    private async Task AnswerRepeatAsync(HttpContext context, IdempotencyClaim claim, IdempotencyRecord record, FingerprintedBody body)
    {
        if (record.RequestHash != claim.RequestHash)
        {
            LogReused(claim.Key, context.Request.Method, context.Request.Path);
            await ApiEnvelope.Fail(IdempotencyErrors.Reused).ExecuteAsync(context);
            return;
        }
        if (record.State == IdempotencyStates.Committed && !IsRunning(record))
        {
            // Read before the request was seen to end: it keeps its answer before it ends, so the
            // record as it is now has the answer, unless the request ended without keeping one.
            record = await store.GetAsync(claim, context.RequestAborted) ?? record;
        }
        // Committed but not yet answered is still running too: its answer is on its way.
        if (record.State == IdempotencyStates.InProgress || (record.State == IdempotencyStates.Committed && IsRunning(record)))
        {
            context.Response.Headers.RetryAfter = "1";
            await ApiEnvelope.Fail(IdempotencyErrors.InProgress).ExecuteAsync(context);
            return;
        }
        if (record.BodyHash is { } firstBody && !await SameBodyAsync(context, body, firstBody, record.BodyBytes ?? 0))
        {
            LogReused(claim.Key, context.Request.Method, context.Request.Path);
            await ApiEnvelope.Fail(IdempotencyErrors.Reused).ExecuteAsync(context);
            return;
        }
        LogReplayed(claim.Key, context.Request.Method, context.Request.Path, record.Status ?? 0);
        context.Response.Headers[IdempotencyKeys.ReplayedHeader] = "true";
        if (record is { State: IdempotencyStates.Completed, Status: { } status, Response: { } response })
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = record.ContentType;
            context.Response.ContentLength = response.Length;
            await context.Response.Body.WriteAsync(response, context.RequestAborted);
            return;
        }
        var change = new RecordedChange(record.ResourceId ?? "", record.TaskId);
        await ApiEnvelope.Fail(IdempotencyErrors.CarriedOut(change)).ExecuteAsync(context);
    }

    /// <summary>Whether the request holding the key still runs: its lease holds and, when it is this process's own, it has not ended.</summary>
    private bool IsRunning(IdempotencyRecord record) =>
        !record.LeaseExpired && (record.Owner != _owner || _live.ContainsKey(record.Token));

    /// <summary>
    /// Reads the repeat's body (hashing it, keeping nothing) and compares it with the first
    /// request's; a body longer than the first one's (give or take a multipart boundary) is read no further.
    /// </summary>
    private static async Task<bool> SameBodyAsync(HttpContext context, FingerprintedBody body, string firstHash, long firstBytes)
    {
        var limit = firstBytes + BoundarySlack;
        if (context.Request.ContentLength > limit)
        {
            return false;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1;
        }
        return await body.DrainAsync(limit, context.RequestAborted) && body.Hash == firstHash;
    }

    /// <summary>
    /// Runs the endpoint with its answer held back (answers of changing calls are small
    /// envelopes), keeps the answer with the key when the change committed, then sends it.
    /// </summary>
    private async Task RunAndKeepAnswerAsync(HttpContext context, RequestOutcome outcome, FingerprintedBody body)
    {
        var response = context.Response;
        var original = response.Body;
        using var held = new MemoryStream();
        response.Body = held;
        try
        {
            await next(context);
        }
        catch
        {
            // The exception handler answers (with the outcome the change joined); the key is let
            // go if nothing committed, else it stays committed without an answer.
            response.Body = original;
            await FinishAsync(outcome, null, body);
            throw;
        }
        response.Body = original;
        var answer = new KeptAnswer(response.StatusCode, response.ContentType, held.ToArray());
        // A 5xx invites a retry; the repeat of a request that committed answers where to check instead.
        var keep = answer.Status < 500 && answer.Body.Length <= options.Value.MaxKeptAnswerBytes
            && context.GetEndpoint()?.Metadata.GetMetadata<AnswerHoldsSecretAttribute>() is null;
        await FinishAsync(outcome, keep ? answer : null, body);
        if (answer.Body.Length > 0)
        {
            response.ContentLength = answer.Body.Length;
            await original.WriteAsync(answer.Body, context.RequestAborted);
        }
    }

    /// <summary>Keeps the answer or lets the key go; a failure here (the database away) is logged, not answered.</summary>
    private async Task FinishAsync(RequestOutcome outcome, KeptAnswer? answer, FingerprintedBody body)
    {
        var claim = outcome.Claim!;
        using var timeout = new CancellationTokenSource(FinishTimeout);
        try
        {
            var state = await store.FinishAsync(claim, answer, body.Hash, body.Hash is null ? null : body.Bytes, timeout.Token);
            if (state is null && outcome.Change is not null)
            {
                // Joined but not committed (rolled back): the key was let go.
                LogLetGo(claim.Key, outcome.Change.ResourceId);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            // The key stays as the database last saw it: committed (a repeat answers where to check)
            // or held by a request that is gone (a repeat takes it over).
            if (repeated.ShouldLog("idempotency-finish", out var suppressed))
            {
                LogFinishFailed(claim.Key, e.Message, suppressed);
            }
        }
    }

    private async Task KeepLeaseAsync(IdempotencyClaim claim, CancellationToken ct)
    {
        var lease = options.Value.InProgressLease;
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await store.RenewAsync(claim, lease, ct);
                }
                catch (NpgsqlException e)
                {
                    if (repeated.ShouldLog("idempotency-lease", out var suppressed))
                    {
                        LogRenewFailed(claim.Key, e.Message, suppressed);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The request ended.
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Idempotency-Key {Key}: repeat of {Method} {Path} not run again; answered from the key's record (the kept answer's status {Status}, 0: none kept)")]
    private partial void LogReplayed(string key, string method, PathString path, int status);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Idempotency-Key {Key}: refused for {Method} {Path}, which is not the request the key was used for")]
    private partial void LogReused(string key, string method, PathString path);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Idempotency-Key {Key} taken over: {Reason}")]
    private partial void LogTakenOver(string key, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Idempotency-Key {Key} let go: the change to {ResourceId} was not committed")]
    private partial void LogLetGo(string key, string resourceId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Idempotency-Key {Key}: the outcome could not be recorded: {Reason} ({Suppressed} more since the last line)")]
    private partial void LogFinishFailed(string key, string reason, int suppressed);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Idempotency-Key {Key}: its lease could not be renewed: {Reason} ({Suppressed} more since the last line)")]
    private partial void LogRenewFailed(string key, string reason, int suppressed);
}
