using System.Security.Claims;
using Dapper;
using Npgsql;
using Platform.Controller.Audit;

namespace Platform.Controller.Security;

/// <summary>An API token as the API lists it; the secret itself is answered once, at creation.</summary>
internal sealed record TokenView(
    string TokenId, string UserName, string Name, string Role, long CreatedAt, long? ExpiresAt, long? RevokedAt, long? LastUsedAt);

/// <summary>
/// The API tokens. A token is checked against its row and its user on every call, with no
/// cache, so a revocation, an expiry or a disabled user takes effect on the next request on
/// every controller.
/// </summary>
internal sealed class TokenStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string View =
        """
        t.token_id, u.name AS user_name, t.name, t.role, extract(epoch FROM t.created_at)::bigint AS created_at,
        extract(epoch FROM t.expires_at)::bigint AS expires_at, extract(epoch FROM t.revoked_at)::bigint AS revoked_at,
        extract(epoch FROM t.last_used_at)::bigint AS last_used_at
        """;

    // last_used_at is a hint for the operator; writing it on every call would put a write on every read.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private sealed record TokenRow(string TokenId, string UserId, string UserName, string Role, string UserRole, byte[] SecretHash, DateTime? LastUsedAt);

    public async Task<ClaimsPrincipal?> AuthenticateAsync(string tokenId, string secret, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            """
            SELECT t.token_id, t.user_id, u.name AS user_name, t.role, u.role AS user_role, t.secret_hash, t.last_used_at
            FROM api_tokens t JOIN users u USING (user_id)
            WHERE t.token_id = @tokenId AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled
            """, new { tokenId }, cancellationToken: ct));
        if (row is null || !Credentials.Matches(secret, row.SecretHash) || UserRoles.OfToken(row.Role, row.UserRole) is not { } role)
        {
            return null;
        }
        if (row.LastUsedAt is not { } used || time.GetUtcNow().UtcDateTime - used > LastUsedResolution)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE api_tokens SET last_used_at = now() WHERE token_id = @tokenId", new { tokenId }, cancellationToken: ct));
        }
        return Principals.User(row.UserId, row.UserName, role, SignInKind.Token, row.TokenId);
    }

    /// <summary>A new token of <paramref name="userId"/>; null when the user already has one of that name.</summary>
    public async Task<(TokenView View, string Token)?> CreateAsync(string userId, string name, string role, DateTimeOffset? expiresAt, AuditEvent audit, CancellationToken ct)
    {
        var tokenId = Credentials.NewId(Credentials.TokenIdPrefix);
        var secret = Credentials.NewSecret();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_tokens (token_id, user_id, name, role, secret_hash, expires_at)
            VALUES (@tokenId, @userId, @name, @role, @hash, @expiresAt) ON CONFLICT (user_id, name) DO NOTHING
            """,
            new { tokenId, userId, name, role, hash = Credentials.HashOf(secret), expiresAt }, transaction, cancellationToken: ct));
        if (inserted == 0)
        {
            return null;
        }
        var view = await connection.QuerySingleAsync<TokenView>(new CommandDefinition(
            $"SELECT {View} FROM api_tokens t JOIN users u USING (user_id) WHERE t.token_id = @tokenId", new { tokenId }, transaction, cancellationToken: ct));
        await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = tokenId }, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return (view, Credentials.Token(tokenId, secret));
    }

    /// <summary>The tokens of one user, or of everyone when <paramref name="userId"/> is null.</summary>
    public async Task<IReadOnlyList<TokenView>> ListAsync(string? userId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<TokenView>(new CommandDefinition(
            $"SELECT {View} FROM api_tokens t JOIN users u USING (user_id) WHERE @userId::text IS NULL OR t.user_id = @userId ORDER BY u.name, t.created_at",
            new { userId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Revokes the token (of <paramref name="ownerId"/> only, unless null); the revoked row stays
    /// listed. A second revoke answers the same; null when there is no such token.
    /// </summary>
    public async Task<TokenView?> RevokeAsync(string tokenId, string? ownerId, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var revoked = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = @tokenId AND (@ownerId::text IS NULL OR user_id = @ownerId)",
            new { tokenId, ownerId }, transaction, cancellationToken: ct));
        if (revoked == 0)
        {
            return null;
        }
        var view = await connection.QuerySingleAsync<TokenView>(new CommandDefinition(
            $"SELECT {View} FROM api_tokens t JOIN users u USING (user_id) WHERE t.token_id = @tokenId", new { tokenId }, transaction, cancellationToken: ct));
        await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = tokenId }, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return view;
    }
}
