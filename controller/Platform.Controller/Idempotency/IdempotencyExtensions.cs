using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Controller.Idempotency;

internal static class IdempotencyExtensions
{
    /// <summary>The Idempotency-Key of the mutating REST calls: settings, the key store and its clean-up.</summary>
    public static WebApplicationBuilder AddIdempotency(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<IdempotencyOptions>(builder.Configuration, IdempotencyOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<IdempotencyOptions>, IdempotencyOptionsValidation>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddHostedService<IdempotencyKeyCleanup>();
        return builder;
    }

    /// <summary>
    /// Inside the exception handler, so that a failure is answered by it (knowing what the request
    /// changed) after the key's bookkeeping ran; after routing, which tells the changing calls.
    /// </summary>
    public static void UseIdempotency(this WebApplication app) => app.UseMiddleware<IdempotencyMiddleware>();
}
