using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Sentinel.Web.Infrastructure.Hosting;

/// <summary>
/// Encrypts data-protection keys at rest with AES-256-GCM under a key derived (HKDF-SHA256) from <c>SESSION_SECRET_KEY</c>,
/// so the shared key ring in Redis is useless without the secret every Web replica holds.
/// </summary>
public sealed class SecretKeyXmlEncryptor(SecretKeyRing ring) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(ring.Key, tag.Length))
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement("encryptedKey",
            new XComment(" Encrypted with a key derived from SESSION_SECRET_KEY. "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(SecretKeyXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="SecretKeyXmlEncryptor"/> wrote. Activated by the data-protection system.</summary>
public sealed class SecretKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var ring = services.GetRequiredService<SecretKeyRing>();
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(ring.Key, tag.Length))
            aes.Decrypt(nonce, ciphertext, tag, plaintext);
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>The key-encryption key, derived once from the session secret.</summary>
public sealed class SecretKeyRing(string sessionSecret)
{
    public byte[] Key { get; } = HKDF.DeriveKey(
        HashAlgorithmName.SHA256,
        Encoding.UTF8.GetBytes(sessionSecret),
        outputLength: 32,
        salt: Encoding.UTF8.GetBytes("sentinel"),
        info: Encoding.UTF8.GetBytes("sentinel:data-protection:key-encryption:v1"));
}
