using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Platform.Controller.Idempotency;
using Platform.Controller.Inventory;

namespace Platform.Controller.Api;

internal static class ApiExtensions
{
    /// <summary>snake_case JSON, and the envelope for failures no endpoint answered itself.</summary>
    public static WebApplicationBuilder AddRestApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, CaseSensitiveApiRoutes>());
        builder.Services.AddSingleton<ApiRouteTable>();
        builder.Services.AddSingleton<RepeatedWarnings>();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddProblemDetails();
        builder.AddRequestSizeLimits();
        return builder;
    }

    /// <summary>
    /// Every /api and /thor request no endpoint took answers the envelope: a known path asked
    /// with another method 405 (with Allow), anything else, in any spelling of the roots, 404.
    /// </summary>
    public static void MapApiFallback(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in ApiRoutes.Prefixes)
        {
            app.MapFallback(prefix + "/{**path}", Answer);
        }
    }

    private static IResult Answer(HttpContext context, ApiRouteTable routes)
    {
        var request = context.Request;
        var methods = routes.MethodsOf(request.Path);
        if (methods.Count == 0)
        {
            return ApiEnvelope.Fail(new ApiError(ApiErrorCode.RouteNotFound, $"no such endpoint: {request.Method} {request.Path} (paths are case-sensitive)"));
        }
        context.Response.Headers.Allow = string.Join(", ", methods);
        return ApiEnvelope.Fail(new ApiError(ApiErrorCode.MethodNotAllowed, $"{request.Path} does not take {request.Method}; use {string.Join(" or ", methods)}"));
    }
}

/// <summary>
/// Failures that escaped an endpoint: a database outage is a 503 with its code, anything else a
/// bug (500, logged). Nothing here turns an outage into "not found".
/// </summary>
internal sealed partial class ApiExceptionHandler(RepeatedWarnings repeated, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!ApiRoutes.IsFacadePath(context.Request.Path))
        {
            return false;
        }
        ApiError error;
        if (exception is NpgsqlException npgsql && npgsql.IsOutage())
        {
            // Expected during an outage: one line, not a stack trace, and not one per request.
            if (repeated.ShouldLog("database-outage", out var suppressed))
            {
                LogDatabaseOutage(context.Request.Path, npgsql.Message, suppressed);
            }
            // After the request wrote its change the commit may have happened: that is no "not done".
            error = RequestOutcome.Of(context) is { Change: { } change } written
                ? IdempotencyErrors.OutcomeUnknown(change, keyed: written.Claim is not null)
                : new ApiError(ApiErrorCode.DatabaseUnavailable, "the inventory database is unavailable; nothing was changed; try again later");
        }
        else if (exception is IdempotencyKeyLostException)
        {
            error = IdempotencyErrors.Lost;
        }
        else if (exception is PostgresException { SqlState: PostgresErrors.UniqueViolation } unique)
        {
            // A race the use case did not foresee (two requests claiming one name or address):
            // the database refused the second, so it is a conflict, not a failure.
            LogConstraint(unique.SqlState, unique.ConstraintName, context.Request.Path);
            error = new ApiError(ApiErrorCode.AlreadyExists, $"conflicts with an existing record ({unique.ConstraintName})");
        }
        else if (exception is PostgresException { SqlState: PostgresErrors.ForeignKeyViolation } reference)
        {
            LogConstraint(reference.SqlState, reference.ConstraintName, context.Request.Path);
            error = new ApiError(ApiErrorCode.InvalidState, $"refers to or is referred to by a record that changed meanwhile ({reference.ConstraintName}); try again");
        }
        else if (exception is PostgresException { SqlState: PostgresErrors.CheckViolation } check)
        {
            LogConstraint(check.SqlState, check.ConstraintName, context.Request.Path);
            error = new ApiError(ApiErrorCode.ValidationFailed, $"a value is outside what the inventory accepts ({check.ConstraintName})");
        }
        else if (exception is BadHttpRequestException bad)
        {
            error = new ApiError(bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ApiErrorCode.BodyTooLarge : ApiErrorCode.MalformedRequest, bad.Message);
        }
        else
        {
            LogUnhandled(exception, context.Request.Method, context.Request.Path);
            error = new ApiError(ApiErrorCode.Internal, "internal error; the controller log has the details");
        }
        await ApiEnvelope.Fail(error).ExecuteAsync(context);
        return true;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Inventory database unavailable while serving {Path}: {Reason} ({Suppressed} more such answers since the last line)")]
    private partial void LogDatabaseOutage(string path, string reason, int suppressed);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "PostgreSQL refused a change with SQLSTATE {SqlState} ({Constraint}) while serving {Path}")]
    private partial void LogConstraint(string sqlState, string? constraint, string path);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Unhandled failure serving {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);
}
