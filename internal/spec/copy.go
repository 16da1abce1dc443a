package spec

import "reflect"

// Clone returns a deep copy of the spec. Positions and base directories are
// kept; nothing is shared with s that a caller could modify.
func (s *Spec) Clone() *Spec {
	if s == nil {
		return nil
	}
	return deepCopy(s)
}

// Clone returns a deep copy of the image entry.
func (img *Image) Clone() *Image {
	if img == nil {
		return nil
	}
	return deepCopy(img)
}

// deepCopy copies x, following pointers, slices and maps. Unexported fields
// (position tables, which are never modified after parsing) are shared.
func deepCopy[T any](x T) T {
	src := reflect.ValueOf(&x).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		copyValue(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(n.Index(i), src.Index(i))
		}
		dst.Set(n)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			copyValue(v, it.Value())
			n.SetMapIndex(it.Key(), v)
		}
		dst.Set(n)
	case reflect.Struct:
		dst.Set(src)
		for i := 0; i < src.NumField(); i++ {
			if f := dst.Field(i); f.CanSet() {
				copyValue(f, src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}
