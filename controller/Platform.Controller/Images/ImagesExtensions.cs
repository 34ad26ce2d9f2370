namespace Platform.Controller.Images;

internal static class ImagesExtensions
{
    public static WebApplicationBuilder AddImages(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ImageStore>();
        builder.Services.AddSingleton<ImageUseCases>();
        return builder;
    }
}
