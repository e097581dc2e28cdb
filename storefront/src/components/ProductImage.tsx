/** A product photo from its WebP variants, with width and height set so nothing jumps. */
import type { Image } from "../api/types";

type Props = {
  image: Image | undefined;
  /** The CSS width the image takes, for the browser to pick a variant. */
  sizes: string;
  eager?: boolean;
  className?: string;
};

export function ProductImage({ image, sizes, eager = false, className }: Props) {
  if (!image) {
    return <div className={`image-placeholder ${className ?? ""}`} aria-hidden="true" />;
  }
  const { thumb, medium, large } = image.variants;
  const width = image.width || 1200;
  const height = image.height || 900;
  return (
    <img
      className={className}
      src={medium}
      srcSet={`${thumb} 200w, ${medium} 600w, ${large} 1200w`}
      sizes={sizes}
      width={width}
      height={height}
      alt={image.alt}
      loading={eager ? "eager" : "lazy"}
      // The photos seen first are the page's largest paint: fetched before the rest.
      fetchPriority={eager ? "high" : "auto"}
      decoding="async"
    />
  );
}
